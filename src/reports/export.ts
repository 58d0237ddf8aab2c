import { ABANDON_BUCKETS, type ReportFigures } from './figures.ts';
import type { Report, ReportRow } from './history.ts';

/**
 * A report as a file, from the very rows the page's table shows: CSV (UTF-8 with a byte-order mark, which is
 * what makes Excel read Chinese text as UTF-8 rather than the system's code page) and XLSX (exceljs; text is
 * stored as Unicode, so no mark is needed). Headings in the reader's language; rates as percentages, times in
 * seconds, a figure with no data an empty cell (never 0).
 */

export const EXPORT_LANGUAGES = ['zh-TW', 'zh-CN', 'en'] as const;
export type ExportLanguage = (typeof EXPORT_LANGUAGES)[number];

type Column = { key: string; value: (r: ReportRow, report: Report) => string | number | null };

const pct = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 10);
const share = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const secs = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const fig = (pick: (f: ReportFigures) => number | null): Column['value'] => (r) => pick(r.figures);

const COLUMNS: Column[] = [
  { key: 'period', value: (r) => r.period },
  { key: 'who', value: (r, report) => (r.total ? null : report.by === 'queue' ? r.queue! : r.agent!.employeeNo) },
  { key: 'name', value: (r) => (r.agent ? r.agent.name : null) },
  { key: 'offered', value: fig((f) => f.offered) },
  { key: 'answered', value: fig((f) => f.answered) },
  { key: 'abandoned', value: fig((f) => f.abandoned) },
  { key: 'shortAbandons', value: fig((f) => f.shortAbandons) },
  ...ABANDON_BUCKETS.map((b): Column => ({ key: `abandoned:${b}`, value: fig((f) => f.abandonedAfter[b]) })),
  { key: 'abandonRate', value: fig((f) => pct(f.abandonRate)) },
  { key: 'missed', value: fig((f) => f.missed) },
  { key: 'asa', value: fig((f) => secs(f.averageSpeedOfAnswerSeconds)) },
  { key: 'serviceLevel', value: fig((f) => pct(f.serviceLevel)) },
  { key: 'withinStandard', value: fig((f) => f.withinStandard) },
  { key: 'withinStandardShare', value: fig((f) => share(f.withinStandardShare)) },
  { key: 'aht', value: fig((f) => secs(f.averageHandleTimeSeconds)) },
  { key: 'hold', value: fig((f) => secs(f.averageHoldSeconds)) },
  { key: 'surveys', value: fig((f) => f.surveys) },
  { key: 'csatTopTwoBox', value: fig((f) => share(f.csatTopTwoBox)) },
  { key: 'csatMean', value: fig((f) => share(f.csatMean)) },
  { key: 'callbacksCompleted', value: fig((f) => f.callbacksCompleted) },
  { key: 'callbacksWithinPromise', value: fig((f) => pct(f.callbacksWithinPromise)) },
  { key: 'repliesDue', value: fig((f) => f.repliesDue) },
  { key: 'repliesWithinCommitment', value: fig((f) => pct(f.repliesWithinCommitment)) },
  { key: 'qualityScore', value: fig((f) => share(f.qualityScore)) },
];

const bucket = (b: string, words: Record<string, string>) => `${words['abandonedAfter']} ${b} s`;

const HEADINGS: Record<ExportLanguage, Record<string, string>> = {
  en: {
    period: 'Period from',
    queue: 'Queue',
    agent: 'Employee no.',
    name: 'Name',
    total: 'Total',
    offered: 'Offered',
    answered: 'Answered',
    abandoned: 'Abandoned',
    shortAbandons: 'Short abandons (≤ 5 s)',
    abandonedAfter: 'Abandoned after',
    abandonRate: 'Abandon rate %',
    missed: 'Missed offers',
    asa: 'ASA (s)',
    serviceLevel: 'Service level % (within {T} s)',
    withinStandard: 'Within three rings',
    withinStandardShare: 'Within three rings %',
    aht: 'AHT (s)',
    hold: 'Hold per call (s)',
    surveys: 'Surveys rated',
    csatTopTwoBox: 'CSAT top-2-box',
    csatMean: 'CSAT mean',
    callbacksCompleted: 'Callbacks completed',
    callbacksWithinPromise: 'Callbacks within promise %',
    repliesDue: 'Reply commitments due',
    repliesWithinCommitment: 'Replied within commitment %',
    qualityScore: 'Quality score',
  },
  'zh-TW': {
    period: '期間起日',
    queue: '佇列',
    agent: '工號',
    name: '姓名',
    total: '合計',
    offered: '進線',
    answered: '接聽',
    abandoned: '放棄',
    shortAbandons: '短放棄（≤ 5 秒）',
    abandonedAfter: '等候後放棄',
    abandonRate: '放棄率 %',
    missed: '未接分配',
    asa: '平均應答速度（秒）',
    serviceLevel: '服務水準 %（{T} 秒內）',
    withinStandard: '三聲內接聽',
    withinStandardShare: '三聲內接聽 %',
    aht: '平均處理時間（秒）',
    hold: '每通保留時間（秒）',
    surveys: '滿意度評分數',
    csatTopTwoBox: '滿意度（前兩級）',
    csatMean: '滿意度（平均）',
    callbacksCompleted: '完成回電',
    callbacksWithinPromise: '承諾時間內回電 %',
    repliesDue: '到期回覆承諾',
    repliesWithinCommitment: '承諾時限內回覆 %',
    qualityScore: '品質分數',
  },
  'zh-CN': {
    period: '期间起日',
    queue: '队列',
    agent: '工号',
    name: '姓名',
    total: '合计',
    offered: '进线',
    answered: '接听',
    abandoned: '放弃',
    shortAbandons: '短放弃（≤ 5 秒）',
    abandonedAfter: '等候后放弃',
    abandonRate: '放弃率 %',
    missed: '未接分配',
    asa: '平均应答速度（秒）',
    serviceLevel: '服务水平 %（{T} 秒内）',
    withinStandard: '三声内接听',
    withinStandardShare: '三声内接听 %',
    aht: '平均处理时长（秒）',
    hold: '每通保持时长（秒）',
    surveys: '满意度评分数',
    csatTopTwoBox: '满意度（前两级）',
    csatMean: '满意度（平均）',
    callbacksCompleted: '完成回电',
    callbacksWithinPromise: '承诺时间内回电 %',
    repliesDue: '到期回复承诺',
    repliesWithinCommitment: '承诺时限内回复 %',
    qualityScore: '质量分数',
  },
};

/** The table of a report: a heading row, then a row of cells per report row. */
export function reportTable(report: Report, language: ExportLanguage): { headings: string[]; cells: Array<Array<string | number | null>> } {
  const words = HEADINGS[language];
  const columns = COLUMNS.filter((c) => c.key !== 'name' || report.by === 'agent');
  const headings = columns.map((c) => {
    if (c.key === 'who') return words[report.by === 'queue' ? 'queue' : 'agent']!;
    if (c.key.startsWith('abandoned:')) return bucket(c.key.slice('abandoned:'.length), words);
    return words[c.key]!.replace('{T}', String(report.serviceLevelSeconds));
  });
  const cells = report.rows.map((r) => columns.map((c) => (c.key === 'who' && r.total ? words['total']! : c.value(r, report))));
  return { headings, cells };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const csvField = (v: string | number | null) => {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function reportCsv(report: Report, language: ExportLanguage): Buffer {
  const { headings, cells } = reportTable(report, language);
  const lines = [headings, ...cells].map((line) => line.map(csvField).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

export async function reportXlsx(report: Report, language: ExportLanguage): Promise<Buffer> {
  const { headings, cells } = reportTable(report, language);
  // Loaded at the first export, not at start-up: exceljs is the largest module the server has (~0.2 s to load).
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'Sanling';
  const sheet = book.addWorksheet(`${report.from} – ${report.to}`.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(headings).font = { bold: true };
  for (const [i, line] of cells.entries()) {
    const added = sheet.addRow(line.map((v) => (v === null ? undefined : v)));
    if (report.rows[i]!.total) added.font = { bold: true };
  }
  sheet.columns.forEach((column, i) => (column.width = Math.max(10, Math.min(30, headings[i]!.length + 4))));
  return Buffer.from(await book.xlsx.writeBuffer());
}
