/** esbuild bundles imported CSS into dashboard.css beside the script. */
declare module '*.css';
