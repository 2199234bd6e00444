// The form shown when an API answers 401: the token is typed once, kept for the browser session,
// and the page starts again with it (every stream and fetch then carries it).
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { onTokenNeeded, saveToken, storedToken, tokenNeeded } from './auth.js';

/** True once an API has answered 401. */
export function useTokenNeeded(): boolean {
  const [needed, setNeeded] = useState(tokenNeeded());
  useEffect(() => onTokenNeeded(() => setNeeded(true)), []);
  return needed;
}

export function TokenForm() {
  const [text, setText] = useState('');
  const rejected = storedToken() !== undefined;
  const submit = (event: Event): void => {
    event.preventDefault();
    const token = text.trim();
    if (token === '') return;
    saveToken(token);
    location.reload();
  };
  return html`<section class="token-form" data-testid="token-form">
    <h2>Token needed</h2>
    <p>${rejected ? 'The token given was not accepted. ' : ''}This berth asks for a token before it shows anything: <code>berth dev</code> prints one as <code>export BERTH_TOKEN=…</code>. It is kept for this browser session only.</p>
    <form onSubmit=${submit}>
      <input type="password" autocomplete="off" placeholder="token" aria-label="token" data-testid="token-input" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <button type="submit" data-testid="token-submit">Use this token</button>
    </form>
  </section>`;
}
