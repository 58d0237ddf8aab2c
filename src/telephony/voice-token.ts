import express, { type Router } from 'express';
import type { Hotline } from '../hotline.ts';

/** GET /api/voice/token (mounted under /api). PLACEHOLDER: the softphone-server work fills this in. */
export function voiceTokenRoutes(_h: Hotline): Router {
  return express.Router();
}
