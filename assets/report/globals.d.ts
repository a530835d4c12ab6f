// The page's globals for `tsc -p assets/report` (a check only: the page is plain JavaScript).
declare const uPlot: typeof import('uplot');
