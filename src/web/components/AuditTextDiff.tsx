import { Box, Text } from '@mantine/core';

const LINE_COLORS: Record<string, { bg: string; fg: string }> = {
  // Darker than green.9, which is 4.1:1 on its tint; this is 5.8:1.
  '+': { bg: 'var(--mantine-color-green-0)', fg: '#1f6f32' },
  '-': { bg: 'var(--mantine-color-red-0)', fg: 'var(--mantine-color-red-9)' },
  '@': { bg: 'var(--mantine-color-gray-1)', fg: 'var(--mantine-color-gray-8)' },
};

/** A changed text (an email template's body) as the lines that changed: removed red, added green. */
export function AuditTextDiff({ field, patch }: { field: string; patch: string }) {
  return (
    <Box>
      <Text span fw={600} size="xs">
        {field}
      </Text>
      <Box
        component="pre"
        // A region that scrolls must be reachable by keyboard, so it takes focus and has a name.
        role="region"
        tabIndex={0}
        aria-label={`Changed lines of ${field}`}
        m={0}
        mt={2}
        p={4}
        fz={11}
        style={{
          border: '1px solid var(--mantine-color-gray-3)',
          borderRadius: 4,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-word',
          maxHeight: 320,
          overflow: 'auto',
        }}
      >
        {patch.split('\n').map((line, i) => {
          const color = LINE_COLORS[line[0] ?? ''];
          return (
            <div
              key={i}
              data-diff={line[0] === '+' ? 'added' : line[0] === '-' ? 'removed' : undefined}
              style={color ? { background: color.bg, color: color.fg } : undefined}
            >
              {line || ' '}
            </div>
          );
        })}
      </Box>
    </Box>
  );
}
