/** Asks for an API token once per browser session (kept in sessionStorage). */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';

export function Login({ error, onToken }: { readonly error: string | undefined; readonly onToken: (token: string) => void }): VNode {
  const [token, setToken] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (token.trim() !== '') onToken(token.trim());
  };
  return html`<main class="login">
    <form onSubmit=${submit}>
      <h1>fleet</h1>
      <p>This fleetd asks for an API token. Create one with <code>fleetctl token create --name NAME --role read</code> (or <code>operate</code> to start and stop units).</p>
      <input id="token" type="password" autocomplete="off" placeholder="API token" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <button type="submit">Open the dashboard</button>
      ${error !== undefined ? html`<p class="error" role="alert">${error}</p>` : null}
      <p class="hint">The token stays in this tab only (sessionStorage) and is sent to this fleetd with each request.</p>
    </form>
  </main>`;
}
