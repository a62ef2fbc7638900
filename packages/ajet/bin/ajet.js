#!/usr/bin/env node
// The `ajet` command of the one package users install: runs @ajet/cli's.
import '@ajet/cli/bin';
