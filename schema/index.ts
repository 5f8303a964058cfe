/** Loads every type module (each adds its own queries, mutations and subscriptions), then builds the schema. */
import { builder } from './builder.js';
import './types/errors.js';
import './types/task.js';
import './types/report.js';
import './types/upload.js';
import './types/system.js';
import './types/wis2-subscriptions.js';
import './types/wis2-downloads.js';

export const schema = builder.toSchema();
