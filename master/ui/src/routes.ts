// The UI's client-side routes (the master answers every non-API path with the index). Pure.

export type Route =
  | { view: 'overview' }
  | { view: 'agents' }
  | { view: 'frameworks' }
  | { view: 'tasks'; query: string }
  | { view: 'task'; id: string }
  | { view: 'services' }
  | { view: 'service'; id: string }
  | { view: 'jobs' }
  | { view: 'job'; id: string }
  | { view: 'unknown'; path: string };

/** The route of a path and query (`/tasks/abc`, `/tasks?q=web`). */
export function parseRoute(pathname: string, search = ''): Route {
  const [, first = '', ...rest] = pathname.split('/');
  const id = decodeURIComponent(rest.join('/'));
  switch (first) {
    case '':
      return { view: 'overview' };
    case 'agents':
      return { view: 'agents' };
    case 'frameworks':
      return { view: 'frameworks' };
    case 'tasks':
      return id ? { view: 'task', id } : { view: 'tasks', query: new URLSearchParams(search).get('q') ?? '' };
    case 'services':
      return id ? { view: 'service', id } : { view: 'services' };
    case 'jobs':
      return id ? { view: 'job', id } : { view: 'jobs' };
    default:
      return { view: 'unknown', path: pathname };
  }
}
