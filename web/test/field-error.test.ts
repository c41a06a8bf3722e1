import { describe, expect, it } from "vitest";
import { formError, humanMessage, unitOfField } from "../src/components/common/field-error";
import { ApiError } from "../src/lib/api";

const hub = (message: string) => new ApiError(400, "invalid_request", message);

describe("validation messages in a person's words", () => {
  it("says Required for an empty or missing text", () => {
    expect(humanMessage("Too small: expected string to have >=1 characters")).toBe("Required");
    expect(humanMessage("Invalid input: expected string, received undefined")).toBe("Required");
  });

  it("gives lengths in characters and items, singular and plural", () => {
    expect(humanMessage("Too small: expected string to have >=3 characters")).toBe("At least 3 characters");
    expect(humanMessage("Too big: expected string to have <=1 characters")).toBe("At most 1 character");
    expect(humanMessage("Too big: expected array to have <=20 items")).toBe("At most 20 items");
    expect(humanMessage("Too small: expected array to have >=1 items")).toBe("Choose at least one");
  });

  it("puts the field's unit on numeric bounds", () => {
    expect(unitOfField("windowS")).toBe(" s");
    expect(unitOfField("timeoutMs")).toBe(" ms");
    expect(unitOfField("threshold")).toBe("");
    expect(humanMessage("Too small: expected number to be >=60", "windowS")).toBe("At least 60 s");
    expect(humanMessage("Too big: expected number to be <=86400", "forS")).toBe("At most 86,400 s");
    expect(humanMessage("Too small: expected number to be >0", "threshold")).toBe("More than 0");
    expect(humanMessage("Invalid input: expected int, received number", "windowS")).toBe(
      "A whole number of s",
    );
    expect(humanMessage("Invalid input: expected number, received NaN")).toBe("Enter a number");
  });

  it("lists the choices, and asks for a full URL", () => {
    expect(humanMessage('Invalid option: expected one of "webhook"|"slack"')).toBe(
      "Choose one of webhook, slack",
    );
    expect(humanMessage("Invalid URL")).toBe("Enter a full URL, such as https://example.com/hook");
  });

  it("keeps a message it does not know as it was", () => {
    expect(humanMessage("name already taken")).toBe("name already taken");
  });

  it("names the form's field by its label and marks it", () => {
    const e = formError(hub("windowS: Too small: expected number to be >=60"), { windowS: "Window" });
    expect(e).toEqual({ message: "Window: At least 60 s", field: "windowS" });
    const nested = formError(hub("config.url: Invalid URL"), { config: "Settings" });
    expect(nested).toEqual({
      message: "Settings: Enter a full URL, such as https://example.com/hook",
      field: "config",
    });
    expect(formError(hub("other: Too small: expected string to have >=1 characters"), {})).toEqual({
      message: "other: Required",
    });
    expect(formError(new Error("Cannot reach the hub"), {})).toEqual({ message: "Cannot reach the hub" });
  });
});
