// The signals that end a full-screen or following session (their own module: the agent and `snapshot --follow`
// need them without loading the terminal back-end).
export const EXIT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP'] as const;
