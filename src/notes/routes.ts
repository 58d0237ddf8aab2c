import express, { type Router } from 'express';
import type { Hotline } from '../hotline.ts';

/** Call notes over HTTP (mounted under /api). PLACEHOLDER: the softphone-server work fills this in. */
export function notesRoutes(_h: Hotline): Router {
  return express.Router();
}
