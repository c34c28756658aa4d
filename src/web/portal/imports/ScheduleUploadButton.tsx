import { ActionIcon, FileButton, Loader, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconUpload } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ErrorCode } from '../../../contracts/common.ts';
import type { ScheduleFileQueued } from '../../../contracts/imports.ts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { scheduleKeys, type ImportSchedule } from '../../api/import-schedules.ts';
import { formatDateTime } from '../../components/ui.tsx';

async function queueFile(scheduleId: string, file: File): Promise<ScheduleFileQueued> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch(`/api/import-schedules/${scheduleId}/files`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    body: form,
  });
  const data = (await res.json().catch(() => undefined)) as
    (ScheduleFileQueued & { error?: { code: ErrorCode; message: string; details?: unknown } }) | undefined;
  if (!res.ok)
    throw new ApiError(
      res.status,
      data?.error?.code ?? 'invalid_input',
      data?.error?.message ?? `Upload failed (${res.status})`,
      data?.error?.details,
    );
  return data!;
}

/** Feeds a repeating import by upload: the file waits in the schedule's folder for its next run. */
export function ScheduleUploadButton({ schedule }: { schedule: ImportSchedule }) {
  const qc = useQueryClient();
  const upload = useMutation({
    mutationFn: (file: File) => queueFile(schedule.id, file),
    onSuccess: (queued) => {
      void qc.invalidateQueries({ queryKey: scheduleKeys.all });
      notifications.show({
        color: 'green',
        title: 'File queued',
        message: queued.nextRunAt
          ? `${queued.fileName} is imported at the next run, ${formatDateTime(queued.nextRunAt)}.`
          : `${queued.fileName} waits in the folder: the schedule is paused.`,
      });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not queued', message: errorMessage(err) }),
  });
  return (
    <FileButton onChange={(file) => file && upload.mutate(file)} accept=".csv,.txt,.tsv,.xlsx">
      {(props) => (
        <Tooltip label="Upload a file for the next run">
          <ActionIcon
            {...props}
            variant="subtle"
            aria-label={`Upload a file for schedule ${schedule.name}`}
            disabled={upload.isPending}
          >
            {upload.isPending ? <Loader size={14} /> : <IconUpload size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </FileButton>
  );
}
