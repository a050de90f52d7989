// One colour per run, the same in every chart and in the run table.
export const RUN_COLORS = ["#1a73e8", "#e8710a", "#188038", "#a142f4", "#d93025", "#12b5cb", "#b0670a", "#5f6368", "#c2185b", "#00897b"];

export function runColor(id) {
  const n = Number(id);
  return RUN_COLORS[(Number.isFinite(n) ? Math.abs(n) : 0) % RUN_COLORS.length];
}
