/**
 * Charts with ECharts (bundled, no CDN), drawn as SVG. Every chart has a label for screen
 * readers (ECharts' aria description) and the page shows its figures in a table beside it.
 * ECharts is a chunk of its own (echarts.ts), loaded once a page that draws charts has asked
 * the API (pages/index.ts); a chart is drawn once ECharts is there and it is in the document.
 */
import type { ECharts, EChartsCoreOption } from 'echarts/core';
import { h, onPageLeave } from './dom.js';

export type ChartOption = EChartsCoreOption;

let echarts: Promise<typeof import('./echarts.js')> | null = null;

/** Loads ECharts once (again after a failure). */
export const loadCharts = () =>
  (echarts ??= import('./echarts.js').catch((err: unknown) => {
    echarts = null;
    throw err;
  }));

/** Colours with at least 3:1 contrast on white, told apart by more than hue (dashes in lines). */
export const PALETTE = ['#1f5fbf', '#c2410c', '#047857', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#475569'];

/** The page's font by name: ECharts measures text with it, and "inherit" would measure another. */
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

const live = new Set<ECharts>();
addEventListener('resize', () => live.forEach((c) => c.resize()));

/** Disposes the charts of a page being left. */
function disposeCharts(): void {
  live.forEach((c) => c.dispose());
  live.clear();
}

/** A chart in a figure with a caption; `label` describes it to screen readers. */
export function chart(label: string, option: ChartOption, height = 280): HTMLElement {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': label, style: `height:${height}px` });
  const figure = h('figure', {}, box, h('figcaption', {}, label));
  // Drawn once ECharts is loaded and the figure is in the document, so it knows its width.
  const frame = new Promise((resolve) => requestAnimationFrame(resolve));
  void Promise.all([loadCharts(), frame]).then(([{ init }]) => {
    if (!box.isConnected) return;
    const c = init(box, null, { renderer: 'svg' });
    c.setOption({ color: PALETTE, aria: { enabled: true, label: { description: label } }, animation: false, textStyle: { fontFamily: FONT }, ...option });
    if (live.size === 0) onPageLeave(disposeCharts);
    live.add(c);
  });
  return figure;
}

/**
 * A custom series drawing an interval as a vertical (or horizontal) error bar: data rows are
 * [category index, low, high] (or [low, high, category index] when horizontal).
 */
export function errorBars(name: string, data: [number, number, number][], horizontal = false) {
  return {
    type: 'custom',
    name,
    data,
    z: 10,
    tooltip: { show: false },
    renderItem(params: { dataIndex: number }, api: { value(i: number): number; coord(v: number[]): number[]; size(v: number[]): number[]; style(): unknown }) {
      const [cat, low, high] = horizontal ? [api.value(2), api.value(0), api.value(1)] : [api.value(0), api.value(1), api.value(2)];
      const a = api.coord(horizontal ? [low, cat] : [cat, low]);
      const b = api.coord(horizontal ? [high, cat] : [cat, high]);
      const cap = 5;
      const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style: { stroke: '#111827', lineWidth: 1.5 } });
      return {
        type: 'group',
        children: horizontal
          ? [line(a[0], a[1], b[0], b[1]), line(a[0], a[1] - cap, a[0], a[1] + cap), line(b[0], b[1] - cap, b[0], b[1] + cap)]
          : [line(a[0], a[1], b[0], b[1]), line(a[0] - cap, a[1], a[0] + cap, a[1]), line(b[0] - cap, b[1], b[0] + cap, b[1])],
      };
    },
  };
}

export const percentAxis = { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } };
