/**
 * The SDK client the CLI talks through, with `Accept-Language` on every request — the websocket's too: graphql-ws
 * opens sockets as `new WebSocketImpl(url, protocol)`, so a `ws` subclass adds the headers to the upgrade request
 * (the server reads the language of subscriptions from it).
 */
import WebSocket from 'ws';
import { createGasFluxClient, type GasFluxClient } from '../sdk.js';

export type Language = 'en' | 'zh';

export function connect(url: string, language: Language): GasFluxClient {
  const headers = { 'accept-language': language };
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createGasFluxClient({ url, headers, webSocketImpl: WebSocketWithHeaders });
}
