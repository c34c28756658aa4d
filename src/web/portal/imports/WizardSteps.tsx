import { Stepper } from '@mantine/core';

export const STEPS = ['Source', 'Map columns', 'Options', 'Check and run'] as const;
export const STEP_HINTS = [
  'Type and file',
  'Which column is what',
  'Groups and logins',
  'Dry run, then import',
] as const;

/** The wizard's four steps; `reachable` steps can be clicked to go back or forth. */
export function WizardSteps({
  active,
  reachable = () => false,
  onSelect,
}: {
  active: number;
  reachable?: (step: number) => boolean;
  onSelect?: (step: number) => void;
}) {
  return (
    <Stepper
      active={active}
      onStepClick={onSelect}
      size="sm"
      mb="lg"
      styles={{ content: { display: 'none' } }}
    >
      {STEPS.map((label, i) => (
        <Stepper.Step
          key={label}
          label={label}
          description={STEP_HINTS[i]}
          allowStepSelect={i !== active && reachable(i)}
        />
      ))}
    </Stepper>
  );
}
