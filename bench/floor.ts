/**
 * The floors the hotline's webhook rates are read against, run as a child process like the hotline:
 * - `bare`: node:http reads the form body and answers a constant TwiML document (what HTTP alone costs);
 * - `insert`: the same, plus one postgres.js INSERT of the call per request, with as many connections as the
 *   hotline's pool (FLOOR_POOL): what any webhook that records the call must at least cost.
 *
 *   FLOOR=bare|insert PORT=4000 [DATABASE_URL=postgres://… FLOOR_POOL=4] node --import tsx bench/floor.ts
 */
import { createServer } from 'node:http';
import postgres from 'postgres';

/** About the size of the hotline's welcome: a <Gather> with three sentences. */
const TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="5" ' +
  'action="http://127.0.0.1/twilio/ivr?seq=1" method="POST"><Say language="zh-CN">您好，欢迎致电高铁客服热线。普通话服务请按1。</Say>' +
  '<Say language="en-US">For English, press 2.</Say><Say language="zh-HK">廣東話服務請按3。</Say></Gather>' +
  '<Redirect method="POST">http://127.0.0.1/twilio/ivr?seq=1</Redirect></Response>';

const mode = process.env.FLOOR;
if (mode !== 'bare' && mode !== 'insert') throw new Error(`FLOOR must be bare or insert, got ${mode}`);
const sql = mode === 'insert' ? postgres(process.env.DATABASE_URL!, { max: Number(process.env.FLOOR_POOL ?? 10), onnotice: () => {} }) : undefined;
if (sql) await sql`create table if not exists floor_calls (sid text primary key, from_number text not null, to_number text not null, at timestamptz not null default now())`;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(TWIML);
    };
    if (!sql) return answer();
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    sql`insert into floor_calls (sid, from_number, to_number) values (${form.get('CallSid') ?? ''}, ${form.get('From') ?? ''}, ${form.get('To') ?? ''})`.then(answer, (err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void sql?.end({ timeout: 1 });
});
