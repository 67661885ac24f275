import { Connection } from '../connections/connection.entity.js';

/** Every entity, listed once for the app, the migration CLI and the tests. */
export const ENTITIES = [Connection];
