import { render } from "preact";
import { App } from "./app";
import { startClock } from "./lib/clock";
import { startRouter } from "./lib/router";
import { startSession } from "./lib/session";
import "./styles/app.css";

startRouter();
startClock();
void startSession();

const root = document.getElementById("app");
if (root) render(<App />, root);
