/**
 * The HTTP exchange as the CSM modules see it, without axios: api-client.ts sends requests,
 * auth.ts posts the token form through a function given to it. Both import these types from
 * here, so that neither imports the other back.
 */

/** A complete HTTP response as text; the API client parses it. */
export interface HttpReply {
  status: number;
  statusText: string;
  text: string;
}

export interface HttpRequest {
  method: "GET" | "PUT" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
}
