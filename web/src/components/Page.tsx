import { useEffect, useRef, type ReactNode } from "react";

/**
 * One screen: its h1 takes the focus when the screen opens, so keyboard and
 * screen-reader users land on the new content after a navigation.
 */
export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section className="page">
      <div className="page-header">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions}
      </div>
      {children}
    </section>
  );
}
