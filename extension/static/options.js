// MV3 extension pages forbid inline scripts, so the app (built with wasm-bindgen --target web)
// is started from this external module. The app mounts itself from its wasm start function.
import init from "./app/app.js";
init();
