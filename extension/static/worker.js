// The service worker's JS shim. Listeners are registered synchronously, at the top level,
// before the wasm module has loaded: a message that wakes a stopped worker is otherwise lost.
// Each message is handed to Rust (`handle_message`) once the module is ready.
import init, { handle_message, pull_and_apply_rules, resume_sync } from "./worker/extension_worker.js";

const ready = init();

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  ready
    .then(() => handle_message(message))
    .then(sendResponse, (err) =>
      sendResponse({
        tag: "fitr-ghl/1",
        response: { type: "error", message: `The extension failed: ${err}` },
      }),
    );
  return true; // answer asynchronously
});

// An unfinished sync run goes on whenever the worker starts (Chrome stops idle workers) and
// when its alarm fires; Rust makes sure only one run executes.
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === "fitr-ghl-sync") ready.then(() => resume_sync());
  if (alarm.name === "fitr-ghl-pull") ready.then(() => pull_and_apply_rules());
});
chrome.runtime.onStartup.addListener(() => {
  ready.then(() => resume_sync());
});
ready.then(() => resume_sync());
