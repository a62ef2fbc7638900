// The benchmark lives in its package so that it resolves @grpc/grpc-js from there.
import '../packages/backbone-grpc/bench/grpc-raw.ts';
