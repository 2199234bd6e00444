// The UI's entry point: reads the framework links, opens the state stream, mounts the app. When
// the master asks for a token (the links answer 401), only the token form is shown.
import { render } from 'preact';
import { html } from './html.js';
import { App, type Links } from './app.js';
import { authFetch } from './auth.js';
import { LiveState } from './live-state.js';
import { streamUrl } from './stream-frames.js';
import { TokenForm } from './token-form.js';

async function main(): Promise<void> {
  const answer = await authFetch('/ui/links.json').catch(() => undefined);
  if (answer?.status === 401) {
    render(html`<header><h1>berth</h1></header><main><${TokenForm} /></main>`, document.getElementById('app')!);
    return;
  }
  const links = answer?.ok ? await answer.json().then((b: { frameworks: Links }) => b.frameworks, () => ({})) : {};
  const live = new LiveState({ url: (position) => streamUrl(location.origin, position) });
  live.start();
  // For operators in the browser console (berth.live.state) and for the browser test.
  Object.assign(window, { berth: { live } });
  render(html`<${App} live=${live} links=${links} />`, document.getElementById('app')!);
}

void main();
