// Whether a user is a bot (the app's own account included): bots never start a run.

export interface BotUser {
  login?: string;
  type?: string;
}

export function isBot(user: BotUser | null | undefined, botLogin?: string): boolean {
  if (!user) return false;
  if (user.type === "Bot") return true;
  const login = user.login ?? "";
  if (login.endsWith("[bot]")) return true;
  return botLogin !== undefined && login.toLowerCase() === botLogin.toLowerCase();
}
