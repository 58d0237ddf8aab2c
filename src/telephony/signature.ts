import type { RequestHandler } from 'express';
import twilio from 'twilio';

/**
 * Every carrier request must be signed for the URL the carrier requested: PUBLIC_URL + path (+ query),
 * never the Host header this process happens to see behind a proxy or tunnel.
 */
export function requireTwilioSignature(authToken: string, publicUrl: string): RequestHandler {
  return (req, res, next) => {
    const signature = req.header('X-Twilio-Signature');
    const url = publicUrl + req.originalUrl;
    const params = (req.body ?? {}) as Record<string, string>;
    if (!signature || !twilio.validateRequest(authToken, signature, url, params)) {
      res.status(403).type('text/plain').send(signature ? 'X-Twilio-Signature does not match this request' : 'X-Twilio-Signature is missing');
      return;
    }
    next();
  };
}
