package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Key format settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FormatSettings {

  @JsonPropertyDescription(
      "Key prefix, 1 to 16 of [A-Za-z0-9_-]. Default: kwa_ for Agent keys, kw_ for Standard.")
  @Size(max = 64)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9_-]{1,16}$')",
      message =
          "InvalidKeyFormat: spec.format.prefix must be 1 to 16 characters of letters, digits,"
              + " '_' or '-'")
  private String prefix;

  @JsonPropertyDescription("Number of random base62 characters, 22 to 128. Default: 32.")
  @Min(22)
  @Max(128)
  private Integer length;

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public Integer getLength() {
    return length;
  }

  public void setLength(Integer length) {
    this.length = length;
  }
}
