import { AdminUser } from '../auth/admin-user.entity.js';
import { Connection } from '../connections/connection.entity.js';
import { OAuthState } from '../connections/oauth-state.entity.js';
import { DemoProviderToken } from '../demo/demo-provider-token.entity.js';

/** Every entity, listed once for the app, the migration CLI and the tests. */
export const ENTITIES = [Connection, OAuthState, AdminUser, DemoProviderToken];
