export { InitError, type InitProjectOptions, initProject, ownVersion, packageName } from './init-project.ts';
export { runInit } from './main.ts';
export { projectFiles, type TemplateOptions } from './templates.ts';
