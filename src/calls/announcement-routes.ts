import express, { type Router } from 'express';
import type { Hotline } from '../hotline.ts';

/** The IVR announcement over HTTP (mounted under /api). PLACEHOLDER: the dashboard work fills this in. */
export function announcementRoutes(_h: Hotline): Router {
  return express.Router();
}
