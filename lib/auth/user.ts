/** Who is signed in, as the rest of the app sees it, whichever provider signed them in. */
export type User = {
  id: string;
  name: string;
};
