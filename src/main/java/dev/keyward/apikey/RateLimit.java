package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How many requests per period the verifier accepts for one key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RateLimit {

  @JsonPropertyDescription("Requests allowed per period, at least 1.")
  @Required
  @Min(1)
  private Integer requests;

  @JsonPropertyDescription("The period, written like 1m, 1h or 30s.")
  @Required
  @Size(max = 64)
  @ValidationRule(
      value = "self.matches(" + ApiKeySpec.DURATION + ")",
      message =
          "InvalidRateLimit: spec.rateLimit.per is not a duration: write a positive number"
              + " followed by d, h, m or s, for example 1m")
  @ValidationRule(
      value = ApiKeySpec.NOT_ZERO,
      message = "InvalidRateLimit: spec.rateLimit.per must be longer than zero")
  private String per;

  public RateLimit() {}

  public RateLimit(Integer requests, String per) {
    this.requests = requests;
    this.per = per;
  }

  public Integer getRequests() {
    return requests;
  }

  public void setRequests(Integer requests) {
    this.requests = requests;
  }

  public String getPer() {
    return per;
  }

  public void setPer(String per) {
    this.per = per;
  }
}
