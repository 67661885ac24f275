import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { OauthStates1764000100000 } from './1764000100000-oauth-states.js';
import { TokenLifecycle1764000200000 } from './1764000200000-token-lifecycle.js';
import { Admin1764000300000 } from './1764000300000-admin.js';
import { DemoProvider1764000500000 } from './1764000500000-demo-provider.js';

/** Migrations in order. Listed explicitly so the app, CLI and tests load the same set under ESM. */
export const MIGRATIONS = [InitialSchema1764000000000, OauthStates1764000100000, TokenLifecycle1764000200000, Admin1764000300000, DemoProvider1764000500000];
