/**
 * What a call's notes may say it was about and how it ended. Free of imports: the softphone page bundles
 * these lists for its selects, and the server validates against the same ones.
 */
export const TOPICS = ['tickets', 'refund', 'change', 'luggage', 'lost-item', 'complaint', 'station-services', 'other'] as const;
export const DISPOSITIONS = ['resolved', 'callback-promised', 'forwarded', 'complaint-filed'] as const;
export type Topic = (typeof TOPICS)[number];
export type Disposition = (typeof DISPOSITIONS)[number];
