import { Vitals } from "./vitals";

export default function Page() {
  return <Vitals />;
}
