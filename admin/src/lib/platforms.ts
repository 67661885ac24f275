import { api, call } from '../api/client';
import { useLoad } from './hooks';

/** Platforms that have connections (from the summary), for filter menus. */
export function usePlatforms(): string[] {
  const load = useLoad(() => call(api.GET('/admin/api/summary')), 'platforms');
  return load.data?.platforms.map((p) => p.platform).sort() ?? [];
}
