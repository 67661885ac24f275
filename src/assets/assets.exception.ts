import { AppException } from '../common/app.exception.js';

/** Errors of assets: listing, syncing, and tokens asked for by assetId. */
export class AssetsException extends AppException {
  static assetNotFound(): AssetsException {
    return new AssetsException(404, 'asset_not_found', 'No asset of this user’s connection (on this platform) has this assetId');
  }
  static assetRemoved(): AssetsException {
    return new AssetsException(
      409,
      'asset_removed',
      'The provider no longer lists this asset for the connection (the Page or channel was removed, or the user lost their role on it); sync the assets or ask the user to reconnect',
    );
  }
  static assetTokenMissing(): AssetsException {
    return new AssetsException(
      409,
      'asset_token_missing',
      'The provider listed this asset without its own token (the user may lack a task on the Page); sync the assets, or ask the user to reconnect with the Page selected',
    );
  }
  static connectionNotFound(): AssetsException {
    return new AssetsException(404, 'not_connected', 'No connection of this user has this connectionId');
  }
  static syncTooSoon(waitMs: number): AssetsException {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new AssetsException(429, 'too_many_requests', `The assets of this connection were listed moments ago; retry in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }
  static providerUnavailable(platform: string, retryAfterMs: number): AssetsException {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    // 424, as for a connect: the request was fine, the provider it depends on failed.
    return new AssetsException(424, 'provider_unavailable', `${platform} did not answer the listing of assets; retry in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }
  static providerRejected(platform: string): AssetsException {
    return new AssetsException(
      424,
      'provider_error',
      `${platform} refused to list the assets of this connection; if it persists, ask the user to reconnect (the grant may lack a permission)`,
    );
  }
}
