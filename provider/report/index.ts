/** Renderers for plans and drift reports: text for terminals, JSON for tools, Markdown for pull requests. */
export { renderPlanText } from "./plan-text";
export { renderPlanMarkdown, renderPlanMarkdownChunks, DEFAULT_MARKDOWN_MAX_CHARS, PLAN_COMMENT_MARKER, getPlanPartMarker } from "./plan-markdown";
export { renderDriftText } from "./drift-text";
export { renderDriftMarkdown } from "./drift-markdown";
export { renderPlanJson, renderDriftJson, PLAN_JSON_KIND, DRIFT_JSON_KIND, JSON_FORMAT_VERSION } from "./json";
