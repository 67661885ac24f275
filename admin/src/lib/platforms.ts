import { api, call } from '../api/client';
import { useLoad } from './hooks';

/** Every enabled platform and any other that has connections (the summary's, from the provider catalogue and the background counts), for filter menus. */
export function usePlatforms(): string[] {
  const load = useLoad(() => call(api.GET('/admin/api/summary')), 'platforms');
  return load.data?.platforms.map((p) => p.platform).sort() ?? [];
}
