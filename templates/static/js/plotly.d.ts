// The part of plotly.js's global that reportgen's modules use (development only: the
// type check; plotly.min.js itself comes from the installed plotly package).
interface PlotlyStatic {
  newPlot(element: HTMLElement, data: any[], layout?: object, config?: object): Promise<HTMLElement>;
  react(element: HTMLElement, data: any[], layout?: object, config?: object): Promise<HTMLElement>;
  // Changes layout attributes in place (the scatter drops Plotly's selection outline).
  relayout(element: HTMLElement, update: object): Promise<HTMLElement>;
  // Changes trace attributes in place (compare.html's "Colour by" menu).
  restyle(element: HTMLElement, update: object, traces?: number[]): Promise<HTMLElement>;
  Plots: { resize(element: HTMLElement): Promise<void> | void };
  // Hover labels set from a script (compare.html links its two maps with them).
  Fx: {
    hover(element: HTMLElement, points: { curveNumber: number; pointNumber: number }[]): void;
    unhover(element: HTMLElement): void;
  };
}

interface Window {
  Plotly?: PlotlyStatic;
}
