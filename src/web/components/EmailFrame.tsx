import { useElementSize } from '@mantine/hooks';

/** Emails are laid out for about 600 px; narrower frames show them scaled down rather than cut off. */
const EMAIL_WIDTH = 640;

/** A rendered email's HTML, isolated in an empty sandbox: no scripts, no forms, no same-origin access. */
export function EmailFrame({ html, title, height = 560 }: { html: string; title: string; height?: number }) {
  const { ref, width } = useElementSize();
  const scale = width > 0 && width < EMAIL_WIDTH ? width / EMAIL_WIDTH : 1;
  return (
    <div
      ref={ref}
      className="email-frame"
      style={{ height: Math.round(height * scale) + 2, overflow: 'hidden' }}
    >
      <iframe
        title={title}
        sandbox=""
        srcDoc={html}
        style={{
          border: 0,
          display: 'block',
          width: scale < 1 ? EMAIL_WIDTH : '100%',
          height,
          transform: scale < 1 ? `scale(${scale})` : undefined,
          transformOrigin: 'top left',
        }}
      />
    </div>
  );
}
