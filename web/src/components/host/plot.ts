/**
 * The uPlot module and its stylesheet, loaded on demand so neither is in
 * the initial bundle (nor in the host page chunk until a chart is visible).
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export default uPlot;
