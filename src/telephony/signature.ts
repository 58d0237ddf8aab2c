import type { Request, RequestHandler } from 'express';
import twilio from 'twilio';

/**
 * Every carrier request must be signed for the URL the carrier requested: PUBLIC_URL + path (+ query),
 * never the Host header this process happens to see behind a proxy or tunnel.
 */
export function requireTwilioSignature(authToken: string, publicUrl: string): RequestHandler {
  return (req, res, next) => {
    const signature = req.header('X-Twilio-Signature');
    const params = (req.body ?? {}) as Record<string, string>;
    if (!signature || !signedFor(authToken, signature, publicUrl + originForm(req), params)) {
      res.status(403).type('text/plain').send(signature ? 'X-Twilio-Signature does not match this request' : 'X-Twilio-Signature is missing');
      return;
    }
    next();
  };
}

/**
 * The request's path and query. A target in absolute form (`POST http://other.host/twilio/status`, which
 * HTTP/1.1 servers must accept) names the same resource; appended to PUBLIC_URL as it is, it would make no
 * URL at all.
 */
function originForm(req: Request): string {
  // Character for character, as Twilio signs it: `new URL()` would re-encode some (`'` as `%27`).
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(req.originalUrl)?.[1] ?? req.originalUrl;
}

/** A URL twilio-node cannot parse was not signed by Twilio: no match, not a failure of the hotline. */
function signedFor(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}
