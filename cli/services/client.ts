// The services framework's HTTP API as the CLI calls it (the contract in docs/api.md).
import { deleteJson, getJson, postJson, postText, type Peer } from '../http.js';
import type { ApplyAnswer, EndpointsAnswer, HistoryAnswer, PlanAnswer, ServiceDetail, ServiceSummary, VersionAnswer } from './api-types.js';

export const SERVICES: Peer = { name: 'the services framework', hint: "'berth dev' starts one on :5070; or pass --services URL." };

/** A service id as a user may type it (with or without the leading slash) as the API's path. */
export function servicePath(id: string): string {
  return id.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
}

/** The id with its leading slash, as the API names services. */
export function serviceId(id: string): string {
  return `/${id.replace(/^\/+/, '')}`;
}

export class ServicesClient {
  constructor(readonly base: string) {}

  #url(id: string, action = ''): string {
    return `${this.base}/api/v1/services/${servicePath(id)}${action ? `/${action}` : ''}`;
  }

  plan(text: string, contentType: string): Promise<PlanAnswer> {
    return postText(`${this.base}/api/v1/services/plan`, text, contentType, SERVICES);
  }

  apply(text: string, contentType: string): Promise<ApplyAnswer> {
    return postText(`${this.base}/api/v1/services`, text, contentType, SERVICES);
  }

  async list(): Promise<ServiceSummary[]> {
    return (await getJson<{ services: ServiceSummary[] }>(`${this.base}/api/v1/services`, SERVICES)).services;
  }

  get(id: string): Promise<ServiceDetail> {
    return getJson(this.#url(id), SERVICES);
  }

  endpoints(id: string): Promise<EndpointsAnswer> {
    return getJson(this.#url(id, 'endpoints'), SERVICES);
  }

  history(id: string): Promise<HistoryAnswer> {
    return getJson(this.#url(id, 'history'), SERVICES);
  }

  scale(id: string, instances: number): Promise<VersionAnswer> {
    return postJson(this.#url(id, 'scale'), { instances }, SERVICES);
  }

  restart(id: string): Promise<VersionAnswer> {
    return postJson(this.#url(id, 'restart'), undefined, SERVICES);
  }

  rollback(id: string, toVersion: number | undefined): Promise<VersionAnswer> {
    return postJson(this.#url(id, 'rollback'), toVersion === undefined ? {} : { toVersion }, SERVICES);
  }

  remove(id: string): Promise<{ id: string; removed: boolean }> {
    return deleteJson(this.#url(id), SERVICES);
  }
}
