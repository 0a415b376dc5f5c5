"use client";

import { useState } from "react";
import { useSWRConfig } from "swr";
import { Switch } from "@/components/ui/switch";
import { ADMIN_API, type AdminModelView } from "@/lib/client/admin";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";
import { notify } from "@/lib/client/notify";

/** Turns a model on or off at once (PATCH { id, enabled }); a disabled model is refused on the next request. */
export function ModelEnabledSwitch({ model }: { model: AdminModelView }) {
  const { mutate } = useSWRConfig();
  const [pending, setPending] = useState(false);
  async function toggle(enabled: boolean) {
    if (pending) return;
    setPending(true);
    try {
      await fetchJson(ADMIN_API.models, { method: "PATCH", json: { id: model.id, enabled } });
      await mutate(ADMIN_API.models);
      notify("success", `${model.displayName} ${enabled ? "enabled" : "disabled"}`);
    } catch (caught) {
      notify("error", `Could not ${enabled ? "enable" : "disable"} ${model.displayName}`, { description: caught instanceof ApiError ? caught.message : undefined });
    } finally {
      setPending(false);
    }
  }
  return (
    <span className="flex items-center gap-2">
      {/* Not disabled while saving: a disabled switch would drop the keyboard focus. */}
      <Switch checked={model.enabled} aria-busy={pending || undefined} onCheckedChange={(on) => void toggle(on)} aria-label={`${model.displayName} enabled`} />
      <span className="text-xs text-muted-foreground" aria-hidden="true">
        {model.enabled ? "On" : "Off"}
      </span>
    </span>
  );
}
