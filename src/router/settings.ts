/** The `router` namespace (KrakenD's gin engine options), read once. */
import { blockOf } from '../components/registry.js';
import { readBoolean, readObject, readString, readStrings } from '../config/read.js';
import type { ServiceConfig } from '../config/types.js';

export interface RouterSettings {
  returnErrorMsg: boolean;
  errorBody404: unknown;
  errorBody405: unknown;
  redirectTrailingSlash: boolean;
  redirectFixedPath: boolean;
  handleMethodNotAllowed: boolean;
  hideVersionHeader: boolean;
  healthPath: string | undefined;
  accessLog: boolean;
  loggerSkipPaths: string[];
  forwardedByClientIp: boolean;
  remoteIpHeaders: string[];
  trustedProxies: string[] | undefined;
  autoOptions: boolean;
  removeExtraSlash: boolean;
  disablePathDecoding: boolean;
}

export function readRouterSettings(service: ServiceConfig): RouterSettings {
  const block = blockOf(service.extraConfig, 'router') ?? {};
  const flag = (key: string): boolean => readBoolean(block, key);
  const list = (key: string): string[] => readStrings(block, key);
  const errorBody = readObject(block, 'error_body');
  return {
    returnErrorMsg: flag('return_error_msg'),
    errorBody404: errorBody['404'],
    errorBody405: errorBody['405'],
    redirectTrailingSlash: !flag('disable_redirect_trailing_slash'),
    redirectFixedPath: !flag('disable_redirect_fixed_path'),
    handleMethodNotAllowed: !flag('disable_handle_method_not_allowed'),
    hideVersionHeader: flag('hide_version_header'),
    healthPath: flag('disable_health') ? undefined : readString(block, 'health_path') || '/__health',
    accessLog: !flag('disable_access_log'),
    loggerSkipPaths: list('logger_skip_paths'),
    forwardedByClientIp: flag('forwarded_by_client_ip'),
    remoteIpHeaders: list('remote_ip_headers'),
    trustedProxies: Array.isArray(block['trusted_proxies']) ? list('trusted_proxies') : undefined,
    autoOptions: flag('auto_options'),
    removeExtraSlash: flag('remove_extra_slash'),
    disablePathDecoding: flag('disable_path_decoding'),
  };
}
