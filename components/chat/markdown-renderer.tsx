"use client";

import { Streamdown, type Components } from "streamdown";

const components: Components = {
  /**
   * Images in a reply are not loaded: a model's markdown could point one at any server with the
   * conversation in its URL. The alt text is shown instead, the address on hover.
   */
  img: ({ alt, src }) => (
    <span className="rounded border px-1 text-sm text-muted-foreground" title={typeof src === "string" ? src : undefined}>
      [image{alt ? `: ${alt}` : ""}]
    </span>
  ),
};

export default function MarkdownRenderer({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      mode={streaming ? "streaming" : "static"}
      isAnimating={streaming}
      parseIncompleteMarkdown
      lineNumbers={false}
      controls={{ table: false, mermaid: false }}
      components={components}
      className="space-y-3 break-words text-[15px] leading-relaxed [&_pre]:overflow-x-auto"
    >
      {text}
    </Streamdown>
  );
}
