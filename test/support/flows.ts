import type { Flow, Flows } from '../../src/ivr/flow.ts';
import { parseFlow } from '../../src/ivr/load.ts';
import type { IvrContext } from '../../src/ivr/types.ts';

/** The queues the test flow routes to. */
export const testQueuesYaml = `
queues:
  lost-and-found: { skill: lost-and-found, priority: 3, wrapUpSeconds: 30 }
  general: { skill: general, wrapUpSeconds: 30 }
`;

/** A small two-language flow that uses every node kind, for specifying the engine on its own. */
export const testFlowYaml = `
languages: [zh-CN, en-US]
voices: { zh-CN: { language: zh-CN }, en-US: { language: en-US, voice: Polly.Joanna } }
start: welcome
fallback: agent
globalOptions: { '0': { next: agent } }
messages:
  invalid: { zh-CN: 无效选择, en-US: Invalid choice }
  noInput: { zh-CN: 没有听到, en-US: We did not hear you }
  afterInfo: { zh-CN: 重听请按9, en-US: Press 9 to repeat }
  unavailable: { zh-CN: 系统故障, en-US: Technical problem }
  busy: { zh-CN: 线路繁忙, en-US: All lines are busy }
  hold: { zh-CN: '您排在第{position}位', en-US: 'You are number {position}' }
  estimatedWait: { zh-CN: '预计{minutes}分钟', en-US: 'About {minutes} minutes' }
  estimatedWaitShort: { zh-CN: 一分钟内, en-US: Within a minute }
  callbackOffer: { zh-CN: 回电请按1, en-US: Press 1 for a call back }
  callbackConfirmed: { zh-CN: '{minutes}分钟内回电', en-US: 'We will call you back within {minutes} minutes' }
  thanks: { zh-CN: 感谢来电, en-US: Thank you for calling }
nodes:
  welcome:
    kind: menu
    globalOptions: false
    prompt: { zh-CN: 欢迎, en-US: Welcome }
    options:
      '1': { next: news, language: zh-CN }
      '2': { next: news, language: en-US }
    retries: 1
    fallback: { next: news, language: zh-CN }
  news: { kind: announcement, next: hours }
  hours:
    kind: hours
    open: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: '06:00', to: '23:00' }]
    closedDates: ['2026-12-25']
    whenOpen: main
    whenClosed: closed
  closed: { kind: hangup, prompt: { zh-CN: 已下班, en-US: We are closed } }
  main:
    kind: menu
    prompt: { zh-CN: 主菜单, en-US: Main menu }
    options:
      '1': { next: refund }
      '2': { next: train }
      '3': { next: bye }
  refund: { kind: info, topic: refund-fees, prompt: { zh-CN: 退票费, en-US: Refund fees }, next: main }
  train:
    kind: gather
    prompt: { zh-CN: 请输入车次, en-US: Enter the train number }
    answer: trainNumber
    digits: { min: 1, max: 5 }
    speech: true
    pattern: '^[GDC]?\\d{1,5}$'
    next: confirm
  confirm: { kind: say, prompt: { zh-CN: '车次{trainNumber}', en-US: 'Train {trainNumber}' }, next: to-agent }
  to-agent: { kind: goto, next: lost }
  lost: { kind: queue, queue: lost-and-found, priority: 3, prompt: { zh-CN: 请稍候, en-US: Please hold } }
  agent: { kind: queue, queue: general }
  bye: { kind: hangup, prompt: { zh-CN: 再见, en-US: Goodbye } }
`;

export function testFlows(yaml = testFlowYaml): Flows {
  const flow: Flow = parseFlow('ivr-flows/hotline.yaml', yaml);
  return new Map([[flow.name, flow]]);
}

/** Noon in Shanghai on a working day: the hotline is open. */
export const OPEN = new Date('2026-11-25T04:00:00Z');

export function context(overrides: Partial<IvrContext> = {}): IvrContext {
  return { flows: testFlows(), now: OPEN, timeZone: 'Asia/Shanghai', announcement: null, ...overrides };
}
