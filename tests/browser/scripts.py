"""JavaScript the browser tests evaluate in the pages, shared between test modules."""

# The points the scatter draws in full (its selection or filter) and in all, over the view's
# point traces (not the density layer, not the matches, neighbours or selected point).
DRAWN = """() => {
  const el = document.querySelector('.js-plotly-plot');
  let all = 0, bright = 0;
  for (const t of el.data) {
    const overlay = /^(matches|neighbours|selected)$/.test(t.name || '');
    if (t.type === 'heatmap' || !t.x || overlay) continue;
    all += t.x.length;
    if ((t.marker || {}).opacity === 1) bright += t.x.length;
  }
  return {all, bright};
}"""
