"use client";

import { useState } from "react";
import useSWR from "swr";
import { fetchJson } from "@/lib/client/fetch-json";
import { LAST_MODEL_STORAGE_KEY, MODELS_KEY, type ModelListView } from "@/lib/client/models";

/** The models the plan allows, and the chosen one (remembered in this browser; the first allowed otherwise). */
export function useModels() {
  const { data, error, isLoading, mutate } = useSWR<ModelListView>(MODELS_KEY, (url: string) => fetchJson<ModelListView>(url), {
    revalidateOnFocus: false,
  });
  // Read once in the browser; on the server there is no choice yet (the list loads in the browser anyway).
  const [chosen, setChosen] = useState<string | null>(() => (typeof window === "undefined" ? null : window.localStorage.getItem(LAST_MODEL_STORAGE_KEY)));
  const models = data?.models ?? [];
  const model = models.find((m) => m.id === chosen)?.id ?? models[0]?.id ?? null;
  const choose = (id: string) => {
    setChosen(id);
    window.localStorage.setItem(LAST_MODEL_STORAGE_KEY, id);
  };
  return { models, model, choose, maxOutputTokens: data?.maxOutputTokens ?? null, error: error as Error | undefined, isLoading, refresh: () => mutate() };
}
