import { Rum } from "./rum";
import { Vitals } from "./vitals";

export default function Page() {
  return (
    <>
      <Rum />
      <Vitals />
    </>
  );
}
