/** uPlot and its stylesheet, in their own chunk: loaded by Chart the first time a chart is drawn. */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export default uPlot;
