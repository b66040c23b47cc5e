import { createNotifyApp } from "./notify-app.ts";

createNotifyApp().app.synth();
