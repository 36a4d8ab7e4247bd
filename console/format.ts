/** Number formatting for the live figures. */
import type { Figures } from './types.js';

export function rate(figures: Figures | undefined): string {
  if (figures === undefined) return '–';
  return figures.rate >= 10 ? `${figures.rate.toFixed(0)}/s` : `${figures.rate.toFixed(1)}/s`;
}

export function percent(share: number | undefined): string {
  return share === undefined ? '–' : `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 0)} %`;
}

export function millis(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}
